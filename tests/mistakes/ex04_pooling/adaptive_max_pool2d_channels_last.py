"""ex04 mistake: adaptive_max_pool2d pools the first two axes of a (C, H, W) input"""

EXPECT = 'x is (C, H, W) (channels first,'


def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    # x is taken to be (H, W, C): pools axes 0 and 1
    h, w = x.shape[:2]
    out = np.zeros((oh, ow) + x.shape[2:])
    for i in range(oh):
        r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            out[i, j] = x[r0:r1, c0:c1].max(axis=(0, 1))
    return out
