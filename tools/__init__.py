"""A checkout's tooling, not the product: benchmarks (`manage.py bench TARGET`), the demo (`manage.py demo`)
and their sample media. The image does not ship it; settings install the app only when it is present."""
