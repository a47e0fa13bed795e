#pragma once
// Launch settings of a chosen layout for the frameworks users run.

#include <string>

#include "patterns/traffic.hpp"

namespace meshbench::plan {

/// Megatron-LM arguments (pretrain_gpt.py): parallel sizes, virtual pipeline, batch, sequence
/// parallelism, recomputation, distributed optimizer.
std::string megatron_args(const TrafficInputs& in);

/// torchtitan TOML keys ([parallelism], [training], [activation_checkpoint]).
std::string torchtitan_toml(const TrafficInputs& in);

/// DeepSpeed JSON config (batch sizes, bf16, ZeRO stage, activation checkpointing); DeepSpeed
/// takes TP and PP from Megatron-DeepSpeed arguments, given in its "comment".
std::string deepspeed_json(const TrafficInputs& in);

}  // namespace meshbench::plan
