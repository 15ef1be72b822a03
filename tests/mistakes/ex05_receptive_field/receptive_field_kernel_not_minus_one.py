"""ex05 mistake: receptive_field adds d*k*jump per layer"""

EXPECT = 'what adding d*k*jump per layer gives'


def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * k * jump
        jump *= s
    return r
