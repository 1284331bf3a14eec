/*
 * An ACPI 2.0 RSDP for tests/unit/test_acpi.c (compile: tools/gen_acpi_fixtures.sh).
 * Its XSDT (edge-xsdt.dsl) is placed above 4 GiB to prove the walker keeps
 * 64-bit addresses whole; its RSDT address is where QEMU's pc RSDT
 * (pc-rsdt.bin) sits, so a test that breaks the XSDT sees the walker fall
 * back to the pc tables. iasl computes both checksums.
 */
[0008]                          Signature : "RSD PTR "
[0001]                           Checksum : 00
[0006]                             Oem ID : "KNOCK "
[0001]                           Revision : 02
[0004]                       RSDT Address : 07FE1B33
[0004]                             Length : 00000024
[0008]                       XSDT Address : 0000000100000000
[0001]                  Extended Checksum : 00
[0003]                           Reserved : 000000
