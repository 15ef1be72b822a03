"""ex06 mistake: the training loop computes the loss and gradients but never updates the weights"""

EXPECT = "after train(model, X, y, epochs="


def train(model, X, y, epochs=5, batch_size=64, lr=3e-3):
    import numpy as np
    import torch
    from torch import nn

    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y)).long()
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        for i in range(0, len(X), batch_size):
            loss = nn.functional.cross_entropy(model(X[i:i + batch_size]), y[i:i + batch_size])
            optimiser.zero_grad()
            loss.backward()  # ... but no optimiser.step()
    return model
