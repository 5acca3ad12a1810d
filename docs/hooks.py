"""MkDocs hook: pages the site shows from where they live in the repository.

The benchmark results (``bench/RESULTS*.md``) stay beside the benchmarks that write them, and the
changelog at the top of the repository; the site shows them as ``bench/RESULTS.md`` ... and
``CHANGELOG.md``. A page of docs/ links to them as GitHub needs (``../bench/RESULTS.md``); such a
link is rewritten to the page the site has, so that both work and the build still checks it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

REPO = Path(__file__).resolve().parents[1]
# The site page (a path inside docs_dir) of each repository file this hook adds.
EXTRA_PAGES = {
    **{f"bench/{path.name}": path for path in sorted((REPO / "bench").glob("RESULTS*.md"))},
    "CHANGELOG.md": REPO / "CHANGELOG.md",
}
# A Markdown link's target: ](target) or ](target#anchor).
LINK = re.compile(r"\]\(([^)\s#]+)(#[^)\s]*)?\)")


def on_files(files: Files, config: Any) -> Files:
    """Add the repository files of :data:`EXTRA_PAGES` as pages."""
    for src_uri, path in EXTRA_PAGES.items():
        files.append(File.generated(config, src_uri, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Resolve a page's relative links from where its file lives, to the site's pages.

    A link of a page of docs/ to ``../bench/RESULTS.md``, or of the changelog to ``docs/cli.md``,
    becomes a link to that page of the site; other links are left as they are (and checked).
    """
    docs_dir = Path(config["docs_dir"]).resolve()
    source = Path(page.file.abs_src_path).resolve()
    page_dir = posixpath.dirname(page.file.src_uri) or "."
    extra = {path.resolve(): src_uri for src_uri, path in EXTRA_PAGES.items()}

    def rewrite(match: re.Match[str]) -> str:
        target, anchor = match.group(1), match.group(2) or ""
        if ":" in target or target.startswith("/"):
            return match.group(0)  # a URL, or an absolute path (which the build reports)
        resolved = (source.parent / target).resolve()
        if resolved in extra:
            src_uri = extra[resolved]
        elif resolved.is_relative_to(docs_dir):
            src_uri = resolved.relative_to(docs_dir).as_posix()
        else:
            return match.group(0)
        return f"]({posixpath.relpath(src_uri, page_dir)}{anchor})"

    return LINK.sub(rewrite, markdown)
