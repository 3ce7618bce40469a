-- The provider's id of the refund the hub made of a booking's payment (Stripe's re_...), as the provider answered it.
-- A refund-failed event is matched to its booking by this id where the hub knows it: a refund of the same payment made
-- by someone else (by hand in the Stripe dashboard) that fails is not the hub's and leaves the booking as it is.
-- NULL: no refund made, its answer lost, a provider that names none, or a refund made before V17.
ALTER TABLE booking ADD COLUMN refund_reference VARCHAR(255);
