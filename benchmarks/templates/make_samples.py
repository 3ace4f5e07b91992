"""Writes the sample files of the template workloads (`<project>/samples/*.csv|json`), deterministically.

    python benchmarks/templates/make_samples.py

One seeded stream makes every file, so the same code always writes the same files; they are committed, so
run this only after changing the builders (samples_web.py, samples_hosts.py).
"""

from __future__ import annotations

import samples_hosts
import samples_web


def main() -> None:
    samples_web.nginx_access()
    samples_web.firewall()
    samples_web.dns()
    samples_hosts.windows_security()
    samples_hosts.linux_auth()
    samples_hosts.cloudtrail()


if __name__ == "__main__":
    main()
