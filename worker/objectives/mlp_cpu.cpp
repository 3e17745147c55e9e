// Eigen implementation of the mlp training run; see mlp_trainer.hpp for its definition. The
// CUDA back-end (worker/cuda/mlp_cuda.cu) follows this file step by step.
#include "mlp_cpu.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>

#include "mlp_math.hpp"

namespace quante::mlp {

namespace {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using Vec = Eigen::Matrix<float, Eigen::Dynamic, 1>;

struct Layer {
  Mat W, dW, mW, vW;  // mW: momentum or Adam's first moment; vW: Adam's second moment
  Vec b, db, mb, vb;
};

constexpr int kEvalChunk = 4096;

struct Network {
  const MlpHyper& hyper;
  const MlpPlan& plan;
  int act;
  bool task_classification = true;
  std::vector<Layer> layers;
  std::vector<Mat> A;  // A[l]: input of linear layer l
  std::vector<Mat> Z;  // Z[l]: its output (pre-activation)

  Network(const MlpHyper& h, const MlpPlan& p) : hyper(h), plan(p), act(activation_code(h.activation)) {
    const int L = plan.linear_layers();
    layers.resize(static_cast<std::size_t>(L));
    A.resize(static_cast<std::size_t>(L));
    Z.resize(static_cast<std::size_t>(L));
    for (int l = 0; l < L; ++l) {
      const auto in = plan.sizes[static_cast<std::size_t>(l)], out = plan.sizes[static_cast<std::size_t>(l) + 1];
      Layer& layer = layers[static_cast<std::size_t>(l)];
      layer.W = Eigen::Map<const Mat>(plan.weights[static_cast<std::size_t>(l)].data(), out, in);
      layer.b = Vec::Zero(out);
      layer.mW = layer.vW = Mat::Zero(out, in);
      layer.mb = layer.vb = Vec::Zero(out);
    }
  }

  int L() const { return static_cast<int>(layers.size()); }

  // A[0] must hold the batch. With dropout only when training (step >= 0).
  void forward(long long step) {
    for (int l = 0; l < L(); ++l) {
      const auto k = static_cast<std::size_t>(l);
      Z[k].noalias() = layers[k].W * A[k];
      Z[k].colwise() += layers[k].b;
      if (l + 1 == L()) break;
      Mat& next = A[k + 1];
      next.resize(Z[k].rows(), Z[k].cols());
      const bool drop = step >= 0 && hyper.dropout > 0.0;
      const float p = static_cast<float>(hyper.dropout);
      const float keep_scale = drop ? static_cast<float>(1.0 / (1.0 - hyper.dropout)) : 1.0f;
      const std::uint64_t stream = drop ? dropout_stream(static_cast<std::uint64_t>(step), k) : 0;
      const Eigen::Index rows = Z[k].rows();
      for (Eigen::Index j = 0; j < Z[k].cols(); ++j)
        for (Eigen::Index i = 0; i < rows; ++i) {
          float a = activate(act, Z[k](i, j));
          if (drop) a *= dropout_factor(plan.seed, stream, static_cast<std::uint64_t>(j * rows + i), p, keep_scale);
          next(i, j) = a;
        }
    }
  }

  // Loss sum over the batch's columns and (when G is given) dLoss/dlogits of the batch mean.
  double loss(const float* y, Mat* G, long long* correct) const {
    const Mat& out = Z.back();
    const Eigen::Index n = out.cols(), k = out.rows();
    if (G) G->resize(k, n);
    const float inv_n = 1.0f / static_cast<float>(n);
    double sum = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (task_classification) {
        const int label = static_cast<int>(y[j]);
        float m = out(0, j);
        Eigen::Index arg = 0;
        for (Eigen::Index i = 1; i < k; ++i)
          if (out(i, j) > m) m = out(i, j), arg = i;
        float s = 0.0f;
        for (Eigen::Index i = 0; i < k; ++i) s += expf(out(i, j) - m);
        const float lse = m + logf(s);
        sum += static_cast<double>(lse - out(label, j));
        if (correct && arg == label) ++*correct;
        if (G)
          for (Eigen::Index i = 0; i < k; ++i)
            (*G)(i, j) = (expf(out(i, j) - m) / s - (i == label ? 1.0f : 0.0f)) * inv_n;
      } else {
        const float r = out(0, j) - y[j];
        sum += static_cast<double>(r * r);
        if (G) (*G)(0, j) = 2.0f * r * inv_n;
      }
    }
    return sum;
  }

  void backward_and_update(Mat& G, long long step, long long t) {
    const float lr = static_cast<float>(hyper.lr);
    const float decay = static_cast<float>(hyper.weight_decay);
    const float mu = static_cast<float>(hyper.momentum);
    const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(0.9, static_cast<double>(t))));
    const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(0.999, static_cast<double>(t))));
    const bool adam = hyper.optimizer == OptimizerKind::Adam;
    Mat dA;
    for (int l = L() - 1; l >= 0; --l) {
      const auto k = static_cast<std::size_t>(l);
      Layer& layer = layers[k];
      layer.dW.noalias() = G * A[k].transpose();
      layer.db = G.rowwise().sum();
      if (l > 0) {
        dA.noalias() = layer.W.transpose() * G;
        const auto h = k - 1;  // the hidden layer whose output A[k] is
        const bool drop = hyper.dropout > 0.0;
        const float p = static_cast<float>(hyper.dropout);
        const float keep_scale = drop ? static_cast<float>(1.0 / (1.0 - hyper.dropout)) : 1.0f;
        const std::uint64_t stream = drop ? dropout_stream(static_cast<std::uint64_t>(step), h) : 0;
        const Eigen::Index rows = dA.rows();
        for (Eigen::Index j = 0; j < dA.cols(); ++j)
          for (Eigen::Index i = 0; i < rows; ++i) {
            float g = dA(i, j) * activate_grad(act, Z[h](i, j));
            if (drop) g *= dropout_factor(plan.seed, stream, static_cast<std::uint64_t>(j * rows + i), p, keep_scale);
            dA(i, j) = g;
          }
      }
      float* w = layer.W.data();
      const float* g = layer.dW.data();
      float* m = layer.mW.data();
      float* v = layer.vW.data();
      for (Eigen::Index i = 0; i < layer.W.size(); ++i) {
        if (adam) adam_step(w[i], g[i], m[i], v[i], lr, c1, c2, decay);
        else sgd_step(w[i], g[i], m[i], lr, mu, decay);
      }
      for (Eigen::Index i = 0; i < layer.b.size(); ++i) {
        if (adam) adam_step(layer.b[i], layer.db[i], layer.mb[i], layer.vb[i], lr, c1, c2, 0.0f);
        else sgd_step(layer.b[i], layer.db[i], layer.mb[i], lr, mu, 0.0f);
      }
      if (l > 0) G.swap(dA);
    }
  }
};

}  // namespace

MlpRunResult CpuMlpTrainer::train(const MlpHyper& hyper, const MlpStopCheck& stop, const MlpEpochHook& after_epoch) {
  const MlpDataset& data = *data_;
  const MlpPlan plan = make_plan(data, hyper);
  Network net(hyper, plan);
  net.task_classification = data.task == Task::Classification;
  const int d = data.features, n = data.n_train;
  const Eigen::Map<const Mat> X(data.x_train.data(), d, n);
  MlpRunResult result;
  result.device = "cpu";
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration validating{};

  // Validation of the network as it stands, in chunks, without dropout.
  const Eigen::Map<const Mat> V(data.x_val.data(), d, data.n_val);
  auto validate = [&] {
    const auto begun = std::chrono::steady_clock::now();
    double sum = 0.0;
    long long correct = 0;
    for (int start = 0; start < data.n_val; start += kEvalChunk) {
      const int bs = std::min(kEvalChunk, data.n_val - start);
      net.A[0] = V.middleCols(start, bs);
      net.forward(-1);
      sum += net.loss(data.y_val.data() + start, nullptr, &correct);
    }
    result.val_loss = sum / data.n_val;
    if (data.task == Task::Classification) result.val_accuracy = static_cast<double>(correct) / data.n_val;
    validating += std::chrono::steady_clock::now() - begun;
  };

  long long step = 0;
  std::vector<float> yb;
  Mat G;
  bool validated = false;  // result holds the validation of the network as it is now
  for (int epoch = 0; epoch < hyper.epochs; ++epoch) {
    const std::vector<int> order = plan.epoch_order(epoch);
    double sum = 0.0;
    for (int start = 0; start < n; start += hyper.batch_size) {
      if (stop)
        if (const char* why = stop()) throw MlpStopped(why, true);
      const int bs = std::min(hyper.batch_size, n - start);
      Mat& A0 = net.A[0];
      A0.resize(d, bs);
      yb.resize(static_cast<std::size_t>(bs));
      for (int j = 0; j < bs; ++j) {
        const int r = order[static_cast<std::size_t>(start + j)];
        A0.col(j) = X.col(r);
        yb[static_cast<std::size_t>(j)] = data.y_train[static_cast<std::size_t>(r)];
      }
      net.forward(step);
      sum += net.loss(yb.data(), &G, nullptr);
      net.backward_and_update(G, step, step + 1);
      ++step;
    }
    record_epoch_loss(result, epoch, sum / n);
    result.epochs_run = epoch + 1;
    validated = false;
    if (after_epoch) {
      validate();
      validated = true;
      if (!after_epoch(MlpEpoch{epoch + 1, result.val_loss, result.val_accuracy, result.train_loss.back()})) break;
    }
  }
  result.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started - validating).count();
  if (!validated) validate();
  return result;
}

}  // namespace quante::mlp
