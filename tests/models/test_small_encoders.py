import torch

from sim2act.models.small_encoders import COLOUR_WIDTH, SmallVisionEncoder


def _fine_map(encoder, images):
    return encoder(encoder.prepare_frames(images).unsqueeze(1), fine=True)[2]  # one frame of memory


def test_the_fine_map_is_row_major_over_sub_patches_and_ends_with_colour_features():
    """A mark in one 4×4 sub-patch changes that sub-patch's colour features and no other's."""
    torch.manual_seed(0)
    encoder = SmallVisionEncoder((16, 16, 3), memory=1, d_model=32, patch=8, fine=True)
    image = torch.zeros(1, 16, 16, 3, dtype=torch.uint8)
    marked = image.clone()
    marked[0, 4:8, 12:16] = 255  # sub-patch row 1, column 3
    rows, cols, width = encoder.fine_grid
    plain, changed = _fine_map(encoder, image), _fine_map(encoder, marked)
    assert plain.shape == (1, rows * cols, width) == (1, 16, 32 + COLOUR_WIDTH)
    differs = (plain[0, :, -COLOUR_WIDTH:] - changed[0, :, -COLOUR_WIDTH:]).abs().sum(-1) > 0
    assert differs.nonzero().flatten().tolist() == [1 * cols + 3]
