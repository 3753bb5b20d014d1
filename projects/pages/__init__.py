"""The public pages that show projects beside the reference data or the networks: home,
goals, countries, municipalities, funders, networks, the sitemap and the feed. A module per
page; `counts.py` and `queries.py` hold what they share, `urls.py` their addresses.

They live here, in the app that owns projects, because they read the project index; the
registry and networks apps below it show nothing of projects themselves.
"""
