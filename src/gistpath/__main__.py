from gistpath.cli import main

main()
