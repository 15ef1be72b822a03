"""ex04 mistake: adaptive_max_pool2d takes np.array_split blocks as bins"""

EXPECT = 'your bins are np.array_split'


def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    rows = np.array_split(np.arange(x.shape[-2]), oh)
    cols = np.array_split(np.arange(x.shape[-1]), ow)
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            out[..., i, j] = x[..., r[0]:r[-1] + 1, c[0]:c[-1] + 1].max(axis=(-2, -1))
    return out
