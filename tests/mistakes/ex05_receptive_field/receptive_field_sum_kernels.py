"""ex05 mistake: receptive_field adds the kernel sizes"""

EXPECT = 'you added the kernel sizes: neighbouring windows overlap, each layer'


def receptive_field(layers):
    return sum(layer[0] for layer in layers)
