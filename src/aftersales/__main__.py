from aftersales.config.cli import main

main()
