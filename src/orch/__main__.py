"""Allow ``python -m orch``."""

from orch.cli.entry import main

if __name__ == "__main__":
    main()
