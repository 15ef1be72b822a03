"""ex03 mistake: count_conv_parameters forgets the input maps"""

EXPECT = 'each output map has one kH x kW kernel PER INPUT MAP, so multiply by'


def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if np.ndim(kernel_size) == 0:
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    return c_out * kh * kw + (c_out if bias else 0)
