"""ex03 mistake: count_conv_parameters forgets the biases"""

EXPECT = 'you forgot the biases: c_out * c_in * kH * kW weights + c_out biases'


def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if np.ndim(kernel_size) == 0:
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    return c_out * c_in * kh * kw
