import torch

from sim2act.models.small_encoders import COLOUR_WIDTH, RELIEF_WIDTH, SmallVisionEncoder


def _fine_map(encoder, images):
    return encoder(encoder.prepare_frames(images).unsqueeze(1), fine=True)[2]  # one frame of memory


def test_the_fine_map_is_row_major_over_sub_patches():
    """A mark in one 4×4 sub-patch changes that sub-patch's colour features and no other's."""
    torch.manual_seed(0)
    encoder = SmallVisionEncoder((16, 16, 3), memory=1, d_model=32, patch=8, fine=True)
    image = torch.zeros(1, 16, 16, 3, dtype=torch.uint8)
    marked = image.clone()
    marked[0, 4:8, 12:16] = 255  # sub-patch row 1, column 3
    rows, cols, width, relief = encoder.fine_grid
    plain, changed = _fine_map(encoder, image), _fine_map(encoder, marked)
    assert plain.shape == (1, rows * cols, width) == (1, 16, 32 + COLOUR_WIDTH + RELIEF_WIDTH)
    colour = slice(width - relief - COLOUR_WIDTH, width - relief)
    differs = (plain[0, :, colour] - changed[0, :, colour]).abs().sum(-1) > 0
    assert differs.nonzero().flatten().tolist() == [1 * cols + 3]


def test_the_relief_sees_depth_and_never_colour():
    torch.manual_seed(0)
    encoder = SmallVisionEncoder((16, 16, 4), memory=1, d_model=32, patch=8, fine=True)
    rgbd = torch.randint(0, 256, (2, 16, 16, 4), dtype=torch.uint8)
    recoloured, deeper = rgbd.clone(), rgbd.clone()
    recoloured[..., :3] = torch.randint(0, 256, (2, 16, 16, 3), dtype=torch.uint8)
    deeper[..., 3] = torch.randint(0, 256, (2, 16, 16), dtype=torch.uint8)
    relief = encoder.fine_grid.relief
    plain = _fine_map(encoder, rgbd)[..., -relief:]
    torch.testing.assert_close(_fine_map(encoder, recoloured)[..., -relief:], plain)
    assert not torch.allclose(_fine_map(encoder, deeper)[..., -relief:], plain)
