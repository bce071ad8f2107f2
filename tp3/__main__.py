from tp3.cli import main

main()
