/*
 * MADT edge cases for tests/unit/test_acpi.c (compile: tools/gen_acpi_fixtures.sh).
 * What a real server might list and QEMU does not: disabled CPUs (one of
 * them "online capable"), an x2APIC CPU, two IOAPICs, overrides that are
 * active low and/or level triggered, an NMI source, local APIC NMIs in both
 * forms, the 64-bit local APIC address override, and an entry type knock
 * does not use. No PC-AT 8259s (flags 0). The test checks every value below.
 */
[0004]                          Signature : "APIC"
[0004]                       Table Length : 00000000
[0001]                           Revision : 05
[0001]                           Checksum : 00
[0006]                             Oem ID : "KNOCK "
[0008]                       Oem Table ID : "EDGEMADT"
[0004]                       Oem Revision : 00000001
[0004]                    Asl Compiler ID : "INTL"
[0004]              Asl Compiler Revision : 20200925

[0004]                 Local Apic Address : FEE00000
[0004]              Flags (decoded below) : 00000000
                      PC-AT Compatibility : 0

/* cpu uid 0, apic id 0: enabled */
[0001]                      Subtable Type : 00
[0001]                             Length : 08
[0001]                       Processor ID : 00
[0001]                      Local Apic ID : 00
[0004]              Flags (decoded below) : 00000001
                        Processor Enabled : 1
                   Runtime Online Capable : 0

/* cpu uid 1, apic id 2: disabled */
[0001]                      Subtable Type : 00
[0001]                             Length : 08
[0001]                       Processor ID : 01
[0001]                      Local Apic ID : 02
[0004]              Flags (decoded below) : 00000000
                        Processor Enabled : 0
                   Runtime Online Capable : 0

/* cpu uid 2, apic id 4: enabled */
[0001]                      Subtable Type : 00
[0001]                             Length : 08
[0001]                       Processor ID : 02
[0001]                      Local Apic ID : 04
[0004]              Flags (decoded below) : 00000001
                        Processor Enabled : 1
                   Runtime Online Capable : 0

/* cpu uid 3, apic id 6: not enabled but online capable: still not used */
[0001]                      Subtable Type : 00
[0001]                             Length : 08
[0001]                       Processor ID : 03
[0001]                      Local Apic ID : 06
[0004]              Flags (decoded below) : 00000002
                        Processor Enabled : 0
                   Runtime Online Capable : 1

/* cpu uid 300, x2apic id 0x100: enabled, an ID that does not fit a byte */
[0001]                      Subtable Type : 09
[0001]                             Length : 10
[0002]                           Reserved : 0000
[0004]                Processor x2Apic ID : 00000100
[0004]              Flags (decoded below) : 00000001
                        Processor Enabled : 1
[0004]                      Processor UID : 0000012C

/* ioapic id 1 at 0xfec00000, gsi 0-23 */
[0001]                      Subtable Type : 01
[0001]                             Length : 0C
[0001]                        I/O Apic ID : 01
[0001]                           Reserved : 00
[0004]                            Address : FEC00000
[0004]                          Interrupt : 00000000

/* ioapic id 2 at 0xfec01000, gsi 24 on */
[0001]                      Subtable Type : 01
[0001]                             Length : 0C
[0001]                        I/O Apic ID : 02
[0001]                           Reserved : 00
[0004]                            Address : FEC01000
[0004]                          Interrupt : 00000018

/* irq 0 -> gsi 2, conforming (ISA: edge, high) */
[0001]                      Subtable Type : 02
[0001]                             Length : 0A
[0001]                                Bus : 00
[0001]                             Source : 00
[0004]                          Interrupt : 00000002
[0002]              Flags (decoded below) : 0000
                                 Polarity : 0
                             Trigger Mode : 0

/* irq 9 -> gsi 9, level, active low (the usual SCI) */
[0001]                      Subtable Type : 02
[0001]                             Length : 0A
[0001]                                Bus : 00
[0001]                             Source : 09
[0004]                          Interrupt : 00000009
[0002]              Flags (decoded below) : 000F
                                 Polarity : 3
                             Trigger Mode : 3

/* irq 4 -> gsi 20, edge, active low */
[0001]                      Subtable Type : 02
[0001]                             Length : 0A
[0001]                                Bus : 00
[0001]                             Source : 04
[0004]                          Interrupt : 00000014
[0002]              Flags (decoded below) : 0007
                                 Polarity : 3
                             Trigger Mode : 1

/* irq 10 -> gsi 30 (the second IOAPIC), level, active high */
[0001]                      Subtable Type : 02
[0001]                             Length : 0A
[0001]                                Bus : 00
[0001]                             Source : 0A
[0004]                          Interrupt : 0000001E
[0002]              Flags (decoded below) : 000D
                                 Polarity : 1
                             Trigger Mode : 3

/* irq 1 -> gsi 1, conforming trigger, active low */
[0001]                      Subtable Type : 02
[0001]                             Length : 0A
[0001]                                Bus : 00
[0001]                             Source : 01
[0004]                          Interrupt : 00000001
[0002]              Flags (decoded below) : 0003
                                 Polarity : 3
                             Trigger Mode : 0

/* gsi 23 is an NMI, level, active high */
[0001]                      Subtable Type : 03
[0001]                             Length : 08
[0002]              Flags (decoded below) : 000D
                                 Polarity : 1
                             Trigger Mode : 3
[0004]                          Interrupt : 00000017

/* every cpu: LINT1 is NMI, edge, active high */
[0001]                      Subtable Type : 04
[0001]                             Length : 06
[0001]                       Processor ID : FF
[0002]              Flags (decoded below) : 0005
                                 Polarity : 1
                             Trigger Mode : 1
[0001]               Interrupt Input LINT : 01

/* the x2apic cpu (uid 300): LINT0 is NMI, conforming */
[0001]                      Subtable Type : 0A
[0001]                             Length : 0C
[0002]              Flags (decoded below) : 0000
                                 Polarity : 0
                             Trigger Mode : 0
[0004]                      Processor UID : 0000012C
[0001]               Interrupt Input LINT : 00
[0003]                           Reserved : 000000

/* the local APIC is really at 0x1fee00000 (64-bit override) */
[0001]                      Subtable Type : 05
[0001]                             Length : 0C
[0002]                           Reserved : 0000
[0008]                       APIC Address : 00000001FEE00000

/* an I/O SAPIC (Itanium): not used by knock, skipped */
[0001]                      Subtable Type : 06
[0001]                             Length : 10
[0001]                       I/O Sapic ID : 00
[0001]                           Reserved : 00
[0004]                     Interrupt Base : 00000000
[0008]                            Address : 0000000000000000
