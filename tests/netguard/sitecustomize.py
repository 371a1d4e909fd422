# Runs at start-up of every Python process whose PYTHONPATH holds this folder (the test
# kernels): with D2LITE_BLOCK_NETWORK=1, outside connections fail. See netguard.py.
import os

if os.environ.get("D2LITE_BLOCK_NETWORK") == "1":
    import netguard

    netguard.install()
