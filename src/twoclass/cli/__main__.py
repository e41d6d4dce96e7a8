from twoclass.cli.app import main

main()
