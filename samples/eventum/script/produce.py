# samples/eventum/script/produce.py
import json

orders = 0  # module globals keep their values for the whole run


def produce(params):
    """Called once per timestamp: one event (a str) or several (a list of str)."""
    global orders
    orders += 1
    stamp = params["timestamp"].isoformat()
    order = json.dumps({"@timestamp": stamp, "event": "order", "order": orders, "tags": list(params["tags"])})
    if orders % 2:
        return order
    return [order, json.dumps({"@timestamp": stamp, "event": "payment", "order": orders})]
