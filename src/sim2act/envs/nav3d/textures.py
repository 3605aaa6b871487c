"""Miniworld's textures, decoded with Pillow into Miniworld's own texture cache.

Miniworld decodes a texture with pyglet, whose RGB→RGBA conversion takes ~1.3 s per 512² image on this
CPU: every new process would spend ~8 s before its first frame. Pillow does it in milliseconds; the
OpenGL upload (RGBA, mipmaps, trilinear filtering) is Miniworld's own ``Texture.load``, step for step.
"""

from __future__ import annotations

import numpy as np
import pyglet
from miniworld.opengl import Texture
from miniworld.utils import get_file_path
from PIL import Image
from pyglet.gl import (
    GL_GENERATE_MIPMAP_HINT,
    GL_LINEAR,
    GL_LINEAR_MIPMAP_LINEAR,
    GL_NICEST,
    GL_RGB,
    GL_RGBA,
    GL_TEXTURE_2D,
    GL_TEXTURE_MAG_FILTER,
    GL_TEXTURE_MIN_FILTER,
    GL_UNSIGNED_BYTE,
    glBindTexture,
    glEnable,
    glGenerateMipmap,
    glHint,
    glTexImage2D,
    glTexParameteri,
)


def preload(names: tuple[str, ...]) -> None:
    """Put the first version of each named texture in Miniworld's cache (the one it uses without randomisation)."""
    for name in names:
        path = get_file_path("textures", f"{name}_1", "png")
        if path not in Texture.tex_cache:
            Texture.tex_cache[path] = Texture(_upload(path), name)


def _upload(path: str):
    image = Image.open(path).convert("RGBA")
    width, height = image.size
    rows = np.ascontiguousarray(np.asarray(image)[::-1])  # OpenGL's first row is the bottom one
    data = rows.tobytes()
    texture = pyglet.image.ImageData(width, height, "RGBA", data).get_texture()
    glEnable(texture.target)
    glBindTexture(texture.target, texture.id)
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, data)
    glHint(GL_GENERATE_MIPMAP_HINT, GL_NICEST)
    glGenerateMipmap(GL_TEXTURE_2D)
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR)
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR)
    glBindTexture(GL_TEXTURE_2D, 0)
    return texture
