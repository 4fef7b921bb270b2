from raw_scan.cli import main

main()
