"""Allow ``python -m orch``."""

from orch.cli.main import main

if __name__ == "__main__":
    main()
