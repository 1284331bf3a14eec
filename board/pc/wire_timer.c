/* The pc board's timer wiring (wire_timer.h): the boot CPU's LAPIC timer,
 * calibrated, under its alarm mux. */
#include "board/pc/interrupts.h"
#include "board/pc/wire_timer.h"
#include "chips/x86_64/calibration.h"
#include "kernel/loop.h"

struct alarm_mux board_alarm_mux;
struct lapic_alarm board_lapic_alarm;
static struct hil_alarm lapic_alarm_hw;

void board_timer_calibration_start(void)
{
	calibration_start();
}

void board_timer_calibration_start_lapic(void)
{
	calibration_start_lapic();
}

void board_wire_timer(void)
{
	lapic_alarm_calibrate(&board_lapic_alarm);
	lapic_alarm_hil(&board_lapic_alarm, &lapic_alarm_hw);
	alarm_mux_init(&board_alarm_mux, &lapic_alarm_hw);
	loop_set_client(BIT_TIMER, "alarm_mux", alarm_mux_service, &board_alarm_mux);
}
