"""ex05 mistake: receptive_field adds s - 1 per layer instead of using a jump"""

EXPECT = 'the strides do not add cells of their own'


def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) + (s - 1)
        pass
    return r
