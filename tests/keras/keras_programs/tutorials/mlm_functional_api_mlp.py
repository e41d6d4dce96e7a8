# Source: https://machinelearningmastery.com/keras-functional-api-deep-learning/
# Original: Jason Brownlee, "How to Use the Keras Functional API for Deep Learning", the "Multilayer Perceptron"
#   example: Input(shape=(10,)), Dense layers called on tensors, Model(inputs=visible, outputs=output), summary,
#   plot_model
# Changed: nothing (the example defines and summarises the model; it trains nothing)
# Fix: `plot_model(model, to_file='multilayer_perceptron_graph.png')` -> `` | says: model.summary()  (pydot and
#   Graphviz are not installed here; Keras 3 refuses plot_model without them, twoclass has none)
# Compare: model.count_params() exactly
# Compare: model.output_shape exactly
# Multilayer Perceptron
from keras.utils import plot_model
from keras.models import Model
from keras.layers import Input
from keras.layers import Dense
visible = Input(shape=(10,))
hidden1 = Dense(10, activation='relu')(visible)
hidden2 = Dense(20, activation='relu')(hidden1)
hidden3 = Dense(10, activation='relu')(hidden2)
output = Dense(1, activation='sigmoid')(hidden3)
model = Model(inputs=visible, outputs=output)
# summarize layers
print(model.summary())
# plot graph
plot_model(model, to_file='multilayer_perceptron_graph.png')
