// The demo workspace's `train.py`: TRL's SFTTrainer, which logs `eval_mean_token_accuracy`, keeping the best
// checkpoint by the eval loss (load_best_model_at_end with no metric_for_best_model). The extension warns on it,
// and its quick fix writes the accuracy the trainer really logs. A unit test checks that it does.
export const DEMO_TRAIN_PY = `from trl import SFTConfig, SFTTrainer

args = SFTConfig(
    output_dir="outputs/sft-lr2e-5",
    eval_strategy="steps",
    eval_steps=50,
    save_steps=250,
    load_best_model_at_end=True,
)

trainer = SFTTrainer(model=model, args=args, train_dataset=train, eval_dataset=evaluation)
trainer.train()
`;
