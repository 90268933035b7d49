"""The two-network models of unit 4, as keras-io writes them: a `keras.Model` subclass whose
`train_step` trains both networks its own way. `vae` and `gan` build them; they live apart from
those modules so that declaring a case (`list`, `--help`) does not load TensorFlow.

Both steps use TensorFlow's `GradientTape`, as keras-io's vae.py and
dcgan_overriding_train_step.py do; another Keras backend would need steps of its own.
"""

from utils.errors import KitError
from utils.keras_setup import import_keras

keras = import_keras()
if keras.backend.backend() != "tensorflow":
    raise KitError(
        "vae and gan train with their own train_step, written for TensorFlow as keras-io's: "
        "run them without KERAS_BACKEND (TensorFlow is the default)."
    )


@keras.saving.register_keras_serializable(package="casestudies")
class Sampling(keras.layers.Layer):
    """z = z_mean + exp(z_log_var / 2) * epsilon, epsilon ~ N(0, I): the sample stays a
    differentiable function of z_mean and z_log_var, so gradients reach the encoder."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Seeded from Keras's global seed (`keras.utils.set_random_seed`): same seed, same draws.
        self.seed_generator = keras.random.SeedGenerator()

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(keras.ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon


class VAE(keras.Model):
    """An encoder (image -> z_mean, z_log_var, z) and a decoder (z -> image), trained on the
    reconstruction loss plus the KL divergence; the three losses are tracked apart."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.total_loss = keras.metrics.Mean(name="loss")
        self.reconstruction_loss = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):  # reset by Keras at each epoch's start
        return [self.total_loss, self.reconstruction_loss, self.kl_loss]

    def losses_of(self, images, training=False):
        z_mean, z_log_var, z = self.encoder(images, training=training)
        reconstruction = self.decoder(z, training=training)
        reconstruction_loss = keras.ops.mean(
            keras.ops.sum(keras.losses.binary_crossentropy(images, reconstruction), axis=(1, 2))
        )
        kl = -0.5 * (1 + z_log_var - keras.ops.square(z_mean) - keras.ops.exp(z_log_var))
        kl_loss = keras.ops.mean(keras.ops.sum(kl, axis=1))
        return reconstruction_loss, kl_loss

    def _track(self, reconstruction_loss, kl_loss):
        self.total_loss.update_state(reconstruction_loss + kl_loss)
        self.reconstruction_loss.update_state(reconstruction_loss)
        self.kl_loss.update_state(kl_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data):
        import tensorflow as tf

        images = data[0] if isinstance(data, tuple) else data  # fit(x, x): the target is x
        with tf.GradientTape() as tape:
            reconstruction_loss, kl_loss = self.losses_of(images, training=True)
            total_loss = reconstruction_loss + kl_loss
        gradients = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self._track(reconstruction_loss, kl_loss)

    def test_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        return self._track(*self.losses_of(images))

    def call(self, images):
        """Reconstructions, decoded from each image's z_mean."""
        return self.decoder(self.encoder(images)[0])


class GAN(keras.Model):
    """A generator (noise -> image) and a discriminator (image -> a logit: real or fake),
    trained against each other, one step each per batch, with an optimizer each."""

    def __init__(self, generator, discriminator, real_label=0.9, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        # One-sided label smoothing (Salimans et al., 2016): the discriminator is taught to call
        # real digits 0.9, not 1, so it can't grow certain and starve the generator of gradient
        # (on these digits: 57% confident samples at 0.9, 22% at 1.0).
        self.real_label = real_label
        self.latent_size = generator.inputs[0].shape[-1]
        self.seed_generator = keras.random.SeedGenerator()
        self.d_loss = keras.metrics.Mean(name="d_loss")
        self.g_loss = keras.metrics.Mean(name="g_loss")
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    @property
    def metrics(self):
        return [self.d_loss, self.g_loss]

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        # Their variables now, not inside the first traced step (the kit's fast loop).
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)

    def noise(self, count):
        return keras.random.normal((count, self.latent_size), seed=self.seed_generator)

    def losses_of(self, real, fake, training=False):
        """The discriminator's loss (real called real_label, fake 0) and the generator's (fake
        called 1)."""
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        real_targets = keras.ops.full_like(real_logits, self.real_label)
        d_loss = self.loss_fn(real_targets, real_logits) + self.loss_fn(
            keras.ops.zeros_like(fake_logits), fake_logits
        )
        return d_loss, self.loss_fn(keras.ops.ones_like(fake_logits), fake_logits)

    def train_step(self, data):
        import tensorflow as tf

        real = data[0] if isinstance(data, tuple) else data
        count = keras.ops.shape(real)[0]
        # 1. The discriminator learns to tell this batch of real digits from new fakes.
        fake = self.generator(self.noise(count), training=True)
        with tf.GradientTape() as tape:
            d_loss, _ = self.losses_of(real, fake, training=True)
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        # 2. The generator learns to make fakes the discriminator calls real.
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(self.noise(count), training=True))
            g_loss = self.loss_fn(keras.ops.ones_like(fake_logits), fake_logits)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        self.d_loss.update_state(d_loss)
        self.g_loss.update_state(g_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def test_step(self, data):
        """Both losses on held-out real digits and as many new fakes, nothing trained."""
        real = data[0] if isinstance(data, tuple) else data
        fake = self.generator(self.noise(keras.ops.shape(real)[0]))
        d_loss, g_loss = self.losses_of(real, fake)
        self.d_loss.update_state(d_loss)
        self.g_loss.update_state(g_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def call(self, noise):
        return self.generator(noise)
