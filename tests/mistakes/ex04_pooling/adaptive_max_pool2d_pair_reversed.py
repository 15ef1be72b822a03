"""ex04 mistake: adaptive_max_pool2d reads output_size as (width, height)"""

EXPECT = 'you read output_size the other way round'


def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    ow, oh = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            out[..., i, j] = x[..., r0:r1, c0:c1].max(axis=(-2, -1))
    return out
