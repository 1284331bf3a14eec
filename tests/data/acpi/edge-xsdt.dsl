/*
 * An XSDT for tests/unit/test_acpi.c (compile: tools/gen_acpi_fixtures.sh),
 * at 0x100000000 (see edge-rsdp.dsl). It lists edge-madt.bin at
 * 0x100001000, above 4 GiB, and edge-fadt.bin at 0x7f00000.
 */
[0004]                          Signature : "XSDT"
[0004]                       Table Length : 00000000
[0001]                           Revision : 01
[0001]                           Checksum : 00
[0006]                             Oem ID : "KNOCK "
[0008]                       Oem Table ID : "EDGEXSDT"
[0004]                       Oem Revision : 00000001
[0004]                    Asl Compiler ID : "INTL"
[0004]              Asl Compiler Revision : 20200925

[0008]             ACPI Table Address   0 : 0000000100001000
[0008]             ACPI Table Address   1 : 0000000007F00000
