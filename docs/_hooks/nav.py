"""mkdocs hook: pages other work adds to docs/ (a new family's page, a
playground) appear in the nav under "More" until mkdocs.yml lists them, so
no page is unreachable and the strict build never names a page that does
not exist yet."""


def _listed(nav):
    for item in nav or []:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            yield from _listed(value)
        else:
            yield value


def on_files(files, config):
    listed = set(_listed(config["nav"]))
    extra = sorted(f.src_uri for f in files.documentation_pages() if f.src_uri not in listed)
    if extra:
        config["nav"].append({"More": extra})
    return files
