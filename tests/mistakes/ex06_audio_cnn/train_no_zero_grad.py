"""ex06 mistake: the training loop never calls zero_grad, so gradients accumulate across mini-batches"""

EXPECT = "your training loop never clears the gradients"


def train(model, X, y, epochs=5, batch_size=64, lr=3e-3):
    import numpy as np
    import torch
    from torch import nn

    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y)).long()
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(X))
        for i in range(0, len(X), batch_size):
            idx = order[i:i + batch_size]
            loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
            loss.backward()  # no optimiser.zero_grad(): .grad keeps every earlier batch's gradient
            optimiser.step()
    model.eval()
    return model
