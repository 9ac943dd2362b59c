"""Regional social-risk monitoring and forecasting.

Runs on its own (Python, notebooks, ``python -m forecasting``); it never imports Flask
or the web application. The data contract is documented in ``docs/data-contract.md``.
"""

__version__ = "0.1.0"
