"""The course slides' network, unchanged but for the imports, on the red and blue circles.

Run:  python examples/circles.py [output-directory]
"""

import sys
from pathlib import Path

from twoclass import datasets, plots
from twoclass.layers import Dense  # was: from keras.layers import Dense
from twoclass.models import Sequential  # was: from keras.models import Sequential
from twoclass.optimizers import SGD  # was: from keras.optimizers import SGD

X, y = datasets.circles(n=1000, noise=0.08, seed=0)  # 1 = red (inner), 0 = blue (outer)
X_test, y_test = datasets.circles(n=1000, noise=0.08, seed=1)

# --- the slides' code -------------------------------------------------------------------------------------------
# Create sequential model
model = Sequential()
# Add input layer and a hidden layer
model.add(Dense(4, input_shape=(2,), activation="tanh"))
# Add output layer, using sigmoid activation
model.add(Dense(1, activation="sigmoid"))
# Compile our model, we'll use binary-crossentropy
model.compile(optimizer=SGD(lr=0.5), loss="binary_crossentropy", metrics=["accuracy"])
model.train(X, y, epochs=20)
# -----------------------------------------------------------------------------------------------------------------

loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"held-out accuracy: {accuracy:.3f}")

out = Path(sys.argv[1] if len(sys.argv) > 1 else "demo-output")
figure = plots.decision_boundary(
    lambda points: model.predict(points, verbose=0),
    X,
    y,
    labels=("blue (0)", "red (1)"),
    title="What the 2-4-1 tanh network learned",
)
print("wrote", plots.save_figure(figure, out / "circles_boundary.png"))
