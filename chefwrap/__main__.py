from chefwrap.main import run

run()
