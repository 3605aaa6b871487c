from sim2act.cli import main

main()
