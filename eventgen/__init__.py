"""eventgen: a fast, Splunk Eventgen-compatible synthetic event generator."""

__version__ = "0.1.0"

# (import name, distribution) of every dependency a run needs: setup.cfg's install_requires, which a test keeps
# equal; SA-Eventgen's modular input checks its interpreter imports each
REQUIRES = (
    ("numpy", "numpy"),
    ("zmq", "pyzmq"),
    ("jinja2", "jinja2"),
    ("croniter", "croniter"),
    ("dateutil", "python-dateutil"),
    ("psutil", "psutil"),
    ("msgpack", "msgpack"),
    ("yaml", "PyYAML"),
    ("msgspec", "msgspec"),
)
