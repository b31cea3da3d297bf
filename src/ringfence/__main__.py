from ringfence.cli.main import run

run()
