"""ex03 mistake: count_conv_parameters counts one bias for the whole layer"""

EXPECT = 'there is one bias per output map, not one for the whole layer: c_out'


def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if np.ndim(kernel_size) == 0:
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    return c_out * c_in * kh * kw + (1 if bias else 0)
