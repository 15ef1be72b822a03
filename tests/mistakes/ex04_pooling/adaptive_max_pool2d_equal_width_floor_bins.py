"""ex04 mistake: adaptive_max_pool2d uses equal bins of width n // out"""

EXPECT = 'you used equal bins of width n // out: they leave the last'


def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = i * (h // oh), i * (h // oh) + h // oh
        for j in range(ow):
            c0, c1 = j * (w // ow), j * (w // ow) + w // ow
            out[..., i, j] = x[..., r0:r1, c0:c1].max(axis=(-2, -1))
    return out
