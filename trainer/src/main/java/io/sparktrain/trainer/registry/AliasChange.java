package io.sparktrain.trainer.registry;

/**
 * One file of an alias's history, {@code aliases/<alias>/<NNNNNN>.json}: from then on the alias
 * names {@code version}; {@code previous} is the version it named before (null for the first).
 */
public record AliasChange(int sequence, int version, Integer previous, String reason, String at) {}
