"""`eventgen server`: many generators in one long-running service, steered through one set of operations
(`service.py`) that the REST API (`api.py`), the Prometheus exporter (`metrics.py`) and the MCP tools
(`mcp_tools.py`) all call. FastAPI, uvicorn, prometheus_client and mcp are imported only by the modules that
serve them (`pip install 'eventgen[server]'`)."""
