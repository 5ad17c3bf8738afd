"""Markdown to HTML for the viewer (the Renderer), split along its seams; the names other layers use."""

from nexus_desktop.core.render.highlighting import highlight_code
from nexus_desktop.core.render.palette import DARK, LIGHT, PALETTES, Palette
from nexus_desktop.core.render.progressive import split_first_part
from nexus_desktop.core.render.renderer import (
           RenderedEntry,
           Renderer,
           RestOfEntry,
           html_document,
)

__all__ = ["DARK", "LIGHT", "PALETTES", "Palette", "RenderedEntry", "Renderer", "RestOfEntry",
           "highlight_code", "html_document", "split_first_part"]
