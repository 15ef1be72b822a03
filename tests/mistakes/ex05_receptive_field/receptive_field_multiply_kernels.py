"""ex05 mistake: receptive_field multiplies the kernel sizes"""

EXPECT = 'you multiplied the kernel sizes: stacking layers ADDS (k - 1) input'


def receptive_field(layers):
    r = 1
    for layer in layers:
        r *= layer[0]
    return r
