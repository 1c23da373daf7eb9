"""The development server: site, CDN mirror, token endpoint and sandbox platform.

    python serve.py --help
"""
