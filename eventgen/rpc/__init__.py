"""ZeroMQ peers, the wire protocol, message types and sockets: used by process mode and the cluster alike."""
