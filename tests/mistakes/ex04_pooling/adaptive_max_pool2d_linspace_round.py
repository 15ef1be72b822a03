"""ex04 mistake: adaptive_max_pool2d rounds evenly spaced edges"""

EXPECT = 'you rounded evenly spaced edges (linspace/round) to the nearest cell:'


def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = int(np.round(np.linspace(0, h, oh + 1))[i]), int(np.round(np.linspace(0, h, oh + 1))[i + 1])
        for j in range(ow):
            c0, c1 = int(np.round(np.linspace(0, w, ow + 1))[j]), int(np.round(np.linspace(0, w, ow + 1))[j + 1])
            out[..., i, j] = x[..., r0:r1, c0:c1].max(axis=(-2, -1))
    return out
