//! Invalid hyperparameters are rejected when the optimizer or scheduler is
//! built, with torch's rules (where torch raises `ValueError`), and valid
//! edge values are accepted.

use tapeless::optim::{
    Adadelta, Adagrad, Adam, AdamW, Adamax, Lbfgs, LearningRate, NAdam, Optimizer, RAdam, RmsProp,
    Sgd,
};
use tapeless::sched::{ConstantLr, CosineAnnealingWarmRestarts, LinearLr, ReduceLrOnPlateau};

#[test]
#[should_panic(expected = "invalid learning rate")]
fn sgd_rejects_a_negative_learning_rate() {
    let _ = Sgd::<f64>::new(-0.1);
}

#[test]
#[should_panic(expected = "invalid learning rate")]
fn adam_rejects_a_nan_learning_rate() {
    let _ = Adam::<f64>::new(f64::NAN);
}

#[test]
#[should_panic(expected = "Nesterov momentum requires a momentum and zero dampening")]
fn nesterov_needs_momentum() {
    let mut sgd = Sgd::<f64>::new(0.1).nesterov(true);
    sgd.step(&mut 1.0, &1.0);
}

#[test]
#[should_panic(expected = "Nesterov momentum requires a momentum and zero dampening")]
fn nesterov_needs_zero_dampening() {
    let mut sgd = Sgd::<f64>::new(0.1)
        .momentum(0.9)
        .nesterov(true)
        .dampening(0.1);
    sgd.step(&mut 1.0, &1.0);
}

#[test]
#[should_panic(expected = "Nesterov momentum requires a momentum and zero dampening")]
fn validate_reports_nesterov_without_momentum_at_the_builder() {
    let _ = Sgd::<f64>::new(0.1).nesterov(true).validate();
}

/// torch's keyword arguments have no order, nor do the builder's setters:
/// every order of `momentum`, `dampening`, `nesterov` and `weight_decay`
/// gives the same optimizer, whose steps are torch's (by hand: with
/// nesterov, `buf = g` at the first step, `p -= lr·(g + μ·buf)`).
#[test]
fn sgd_builder_order_does_not_matter() {
    type Setter = fn(Sgd<f64>) -> Sgd<f64>;
    let setters: [Setter; 4] = [
        |sgd| sgd.momentum(0.9),
        |sgd| sgd.nesterov(true),
        |sgd| sgd.dampening(0.0),
        |sgd| sgd.weight_decay(0.01),
    ];
    let mut reference = None;
    for permutation in permutations(4) {
        let mut sgd = Sgd::new(0.1);
        for index in permutation {
            sgd = setters[index](sgd);
        }
        let mut x = 1.0_f64;
        let mut path = Vec::new();
        for _ in 0..3 {
            let grad = 2.0 * x;
            sgd.step(&mut x, &grad);
            path.push(x);
        }
        match &reference {
            None => reference = Some(path),
            Some(reference) => assert_eq!(&path, reference),
        }
    }
    // First step by hand: g = 2·1 + 0.01·1 = 2.01, buf = g,
    // x = 1 − 0.1·(g + 0.9·g) = 1 − 0.1·3.819.
    let first = reference.expect("24 orders")[0];
    assert!((first - (1.0 - 0.1 * 2.01 * 1.9)).abs() < 1e-15, "{first}");
}

/// Every order of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for shorter in permutations(n - 1) {
        for position in 0..=shorter.len() {
            let mut order = shorter.clone();
            order.insert(position, n - 1);
            all.push(order);
        }
    }
    all
}

#[test]
#[should_panic(expected = "invalid momentum value")]
fn sgd_rejects_negative_momentum() {
    let _ = Sgd::<f64>::new(0.1).momentum(-0.5);
}

#[test]
#[should_panic(expected = "invalid beta parameter at index 0")]
fn adam_rejects_beta1_of_one() {
    let _ = Adam::<f64>::new(0.1).betas((1.0, 0.999));
}

#[test]
#[should_panic(expected = "invalid beta parameter at index 1")]
fn adamw_rejects_a_negative_beta2() {
    let _ = AdamW::<f64>::new(0.1).betas((0.9, -0.1));
}

#[test]
#[should_panic(expected = "invalid beta parameter at index 1")]
fn nadam_radam_adamax_check_betas() {
    let _ = NAdam::<f64>::new(0.1).betas((0.5, 0.5));
    let _ = RAdam::<f64>::new(0.1).betas((0.5, 0.5));
    let _ = Adamax::<f64>::new(0.1).betas((0.5, 1.5));
}

#[test]
#[should_panic(expected = "invalid epsilon value")]
fn adam_rejects_a_negative_eps() {
    let _ = Adam::<f32>::new(0.1).eps(-1e-8);
}

#[test]
#[should_panic(expected = "invalid weight_decay value")]
fn rmsprop_rejects_negative_weight_decay() {
    let _ = RmsProp::<f64>::new(0.1).weight_decay(-1.0);
}

#[test]
#[should_panic(expected = "invalid alpha value")]
fn rmsprop_rejects_negative_alpha() {
    let _ = RmsProp::<f64>::new(0.1).alpha(-0.9);
}

#[test]
#[should_panic(expected = "invalid rho value")]
fn adadelta_rejects_rho_above_one() {
    let _ = Adadelta::<f64>::new(1.0).rho(1.5);
}

#[test]
#[should_panic(expected = "invalid lr_decay value")]
fn adagrad_rejects_negative_lr_decay() {
    let _ = Adagrad::<f64>::new(0.1).lr_decay(-0.1);
}

#[test]
#[should_panic(expected = "invalid initial_accumulator_value")]
fn adagrad_rejects_a_negative_initial_accumulator() {
    let _ = Adagrad::<f64>::new(0.1).initial_accumulator_value(-0.1);
}

#[test]
#[should_panic(expected = "invalid history_size")]
fn lbfgs_history_must_fit_its_storage() {
    let _ = Lbfgs::<f64, 4>::new(1.0).history_size(5);
}

#[test]
#[should_panic(expected = "starting multiplicative factor")]
fn linear_lr_rejects_a_zero_start_factor() {
    let mut opt = Sgd::<f64>::new(0.1);
    let _ = LinearLr::new(&mut opt, 0.0, 1.0, 5);
}

#[test]
#[should_panic(expected = "constant factor expected to be between 0 and 1")]
fn constant_lr_rejects_a_factor_above_one() {
    let mut opt = Sgd::<f64>::new(0.1);
    let _ = ConstantLr::new(&mut opt, 2.0, 5);
}

#[test]
#[should_panic(expected = "expected positive integer T_0")]
fn warm_restarts_reject_a_zero_period() {
    let mut opt = Sgd::<f64>::new(0.1);
    let _ = CosineAnnealingWarmRestarts::new(&mut opt, 0, 1, 0.0);
}

#[test]
#[should_panic(expected = "Factor should be < 1.0")]
fn plateau_rejects_a_factor_of_one() {
    let _ = ReduceLrOnPlateau::<f64>::new().factor(1.0);
}

#[test]
fn edge_values_are_accepted_and_nothing_is_checked_at_step_time() {
    let mut x = 1.0_f64;
    let mut sgd = Sgd::new(0.0).momentum(0.0).dampening(0.5).nesterov(false);
    sgd.step(&mut x, &1.0);
    assert_eq!(x, 1.0, "lr = 0 leaves the parameter alone");
    let mut adam = Adam::new(0.1).betas((0.0, 0.0)).eps(0.0);
    adam.step(&mut x, &1.0);
    assert!((x - 0.9).abs() < 1e-15, "betas (0, 0): a sign step");
    let _ = Adadelta::<f64>::new(1.0).rho(1.0).rho(0.0);
    // The setters used by schedulers do not validate, like torch's param_groups.
    adam.set_lr(-1.0);
    assert_eq!(LearningRate::<f64>::lr(&adam), -1.0);
}

#[test]
fn momentum_or_beta1_is_what_cyclic_schedulers_drive() {
    let sgd = Sgd::<f64>::new(0.1).momentum(0.9);
    assert_eq!(sgd.momentum_or_beta1(), Some(0.9));
    let adam = Adam::<f64>::new(0.1).betas((0.8, 0.99));
    assert_eq!(adam.momentum_or_beta1(), Some(0.8));
    let adagrad = Adagrad::<f64>::new(0.1);
    assert_eq!(adagrad.momentum_or_beta1(), None);
    let mut rmsprop = RmsProp::<f64>::new(0.1);
    rmsprop.set_momentum_or_beta1(0.5);
    assert_eq!(rmsprop.momentum_or_beta1(), Some(0.5));
}
