#!/usr/bin/env python3
"""Write the fuzz targets' seed corpora (fuzz/corpus/<target>/): small valid
inputs of every kind each parser reads, so fuzzing starts from the formats'
real structure.  Model files and checkpoints come from the grafo command
given as the first argument (a build's grafo); the rest is written here.
The corpora are committed; run this again only to change them."""
import gzip, os, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'tests', 'data')
GRAFO = sys.argv[1]


def put(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def framed(path):
    """A model file in the targets' framed form: header, NUL, tensor data."""
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    return b'\x01' + raw[8:8 + n] + b'\x00' + raw[8 + n:]


# CSV: a mode byte (delimiter, missing values, level order, factor x), then the file.
csv = {
    'plain': 'x,y\n1,2\n3,4\n',
    'quoted': '"a","b c"\n"x, y","he said ""hi"""\n"multi\nline",2\n',
    'crlf_bom': '\ufeffx;y;z\r\n1;2;a\r\n3;NA;b\r\n',
    'tabs': 'x\ty\n1.5e3\t-2\n\t7\n',
    'rownames': ',x,f\nr1,1,u\nr2,2,v\nr3,3,u\n',
    'factor_numbers': 'x,y\n2,1\n2.0,2\n10,3\n',
    'spaces': ' x , y \n 1 , a b \n 2 ,NA\n',
}
for name, text in csv.items():
    for mode in (0, 0x04, 0x28):
        put('csv', f'{name}_{mode:02x}', bytes([mode]) + text.encode())
for f in ('USArrests.csv', 'iris.csv', 'mtcars.csv'):
    put('csv', f, b'\x00' + open(os.path.join(DATA, f), 'rb').read())

# libsvm: a mode byte (n_features: 0 below 128), then the file.
svm = {
    'small': '1 1:0.5 3:2\n-1 2:1\n',
    'comments': '# header\n2 1:1e-3 10:4 # tail\n\n0 4:-1\r\n',
    'labels_only': '1\n0\n1\n',
    'tabs': '3\t1:1\t2:2\n4 7:0\n',
}
for name, text in svm.items():
    put('libsvm', name, b'\x00' + text.encode())
    put('libsvm', name + '_n12', bytes([127 + 12]) + text.encode())


def idx(code, dims, values):
    fmt = {0x08: 'B', 0x09: 'b', 0x0B: 'h', 0x0C: 'i', 0x0D: 'f', 0x0E: 'd'}[code]
    head = bytes([0, 0, code, len(dims)]) + b''.join(struct.pack('>I', d) for d in dims)
    return head + struct.pack('>' + fmt * len(values), *values)


idx_files = {
    'images_u8': idx(0x08, [2, 3, 3], list(range(18))),
    'labels_u8': idx(0x08, [4], [0, 9, 3, 1]),
    'i8': idx(0x09, [3], [-128, 0, 127]),
    'i16': idx(0x0B, [2, 2], [-300, 0, 300, 32767]),
    'i32': idx(0x0C, [2], [-(1 << 31), (1 << 24) + 1]),
    'f32': idx(0x0D, [1, 3], [0.5, -1e30, 3.25]),
    'f64': idx(0x0E, [2], [1e-300, -2.5]),
}
for name, data in idx_files.items():
    put('idx', name, data)
    put('idx', name + '.gz', gzip.compress(data, mtime=0))
    put('idx_gz', name, b'\x00' + data)

# Formulas, against the target's frame (y, x1, x2, z, f, g, x).
formulas = ['y ~ x1 + x2', 'y ~ .', 'y ~ . - x2', 'y ~ x1 - 1', 'y ~ 0 + f', 'y ~ f*g',
            'y ~ x1:f', 'y ~ f/x1', 'y ~ (x1 + x2 + f)^2', 'log(y) ~ log(z) + sqrt(z)',
            'y ~ I(x1^2 + 2*x2) + exp(x1)', 'y ~ factor(x1)', 'y ~ `x1` + abs(x2)',
            'f ~ x1 + g', '~ x1 + f', 'y ~ x:f + I((x1 - 1)/2)']
for i, f in enumerate(formulas):
    put('formula', f'f{i:02d}', f)

# Layer specs.
layers = ['512:relu,10:softmax', '1:sigmoid', '3:identity', '4:linear',
          'input:dropout=0.2:noise=0.1:weight_noise=0.01,8:relu:bn:dropout=0.5,3:softmax:smooth=0.1',
          '6:maxout=3,4:prelu,2:rbf,1:sigmoid', '5:tanh,5:elu,5:softplus,5:hardtanh,5:leaky_relu,2:identity',
          '4:abs,4:step,4:sign,3:softmax', ' 16 : relu , 2 : softmax ']
for i, spec in enumerate(layers):
    put('layers', f'l{i:02d}', spec)

# grafo train's command lines, one argument per line.
args = [
    ['--layers', '8:relu,3:softmax', '--data', 'd.csv', '--formula', 'y ~ .'],
    ['--layers', '4:relu,1:identity', '--optimizer', 'adam', '--lr', '0.01', '--schedule', 'cosine',
     '--period', '5', '--lr-min', '1e-5', '--libsvm', 'd.svm'],
    ['--layers', '3:softmax', '--optimizer', 'sgd', '--momentum', '0.9', '--nesterov', '--schedule',
     'step', '--gamma', '0.5', '--step-epochs', '3', '--images', 'i', '--labels', 'l'],
    ['--layers', '2:softmax', '--optimizer', 'rmsprop', '--rho', '0.9', '--eps', '1e-6',
     '--schedule', 'exponential', '--gamma', '0.99', '--clip-norm', '1', '--data', 'x.csv',
     '--formula', 'a ~ b'],
    ['--layers', '2:softmax', '--optimizer', 'adagrad', '--decay', '0.01', '--weight-decay', '1e-4',
     '--l1', '1e-5', '--dropout', '0.2', '--batch-norm', '--valid', '0.2', '--patience', '3',
     '--min-delta', '0.001', '--data', 'x.csv', '--formula', 'a ~ b'],
    ['--resume', 'run.ckpt', '--epochs', '20', '--data', 'x.csv', '--formula', 'a ~ b'],
    ['--model', 'm.safetensors', '--optimizer', 'adamw', '--beta1', '0.8', '--beta2', '0.99',
     '--epochs', '3', '--batch', '32', '--seed', '7', '--threads', '1', '--data', 'x.csv',
     '--formula', 'a ~ .', '--na', 'omit', '--factor', 'c', '--levels', 'appearance'],
    ['--help'],
]
for i, a in enumerate(args):
    put('train_args', f'a{i:02d}', '\n'.join(a))

# Model files and checkpoints, made by the command on the test data.
tmp = tempfile.mkdtemp()


def grafo(*argv):
    subprocess.run([GRAFO, *argv, '--threads', '1'], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=dict(os.environ, OMP_NUM_THREADS='1'))


def data(name):
    return os.path.join(DATA, name)


fits = {
    'ols': ['ols', '--data', data('USArrests.csv'), '--formula', 'Rape ~ Assault + Murder'],
    'logistic': ['logistic', '--data', data('mtcars.csv'), '--formula', 'am ~ wt + hp',
                 '--threshold', '0.4'],
    'lasso': ['lasso', '--data', data('mtcars.csv'), '--formula', 'mpg ~ wt + factor(cyl)',
              '--lambda', '0.5', '--scale', 'standard'],
    'softmax': ['softmax', '--data', data('iris.csv'), '--formula', 'Species ~ .'],
    'perceptron': ['perceptron', '--data', data('iris.csv'), '--formula',
                   'Species ~ Petal.Length + Petal.Width', '--epochs', '5'],
    'linsvm': ['linsvm', '--data', data('mtcars.csv'), '--formula', 'am ~ I(wt^2) + log(hp)',
               '--scale', 'minmax', '--epochs', '5'],
}
for name, argv in fits.items():
    out = os.path.join(tmp, name + '.safetensors')
    grafo('fit', *argv, '--save', out)
    put('model', name, b'\x00' + open(out, 'rb').read())
    put('model', name + '_framed', framed(out))

nets = {
    'softmax': ['--data', data('iris.csv'), '--formula', 'Species ~ .', '--layers',
                '3:relu,3:softmax'],
    'regularised': ['--data', data('iris.csv'), '--formula', 'Species ~ .', '--layers',
                    'input:dropout=0.1:noise=0.05,4:prelu:bn:dropout=0.2,3:softmax:smooth=0.1',
                    '--optimizer', 'adam', '--valid', '0.2', '--patience', '2'],
    'units': ['--data', data('mtcars.csv'), '--formula', 'am ~ wt + hp', '--layers',
              '2:maxout=2,2:rbf,1:sigmoid', '--optimizer', 'rmsprop', '--momentum', '0.5'],
    'regression': ['--data', data('USArrests.csv'), '--formula', 'Rape ~ .', '--layers',
                   '3:tanh,1:identity', '--optimizer', 'sgd', '--momentum', '0.9', '--schedule',
                   'step', '--gamma', '0.5', '--step-epochs', '1', '--scale', 'minmax'],
}
for name, argv in nets.items():
    model = os.path.join(tmp, name + '.safetensors')
    ckpt = os.path.join(tmp, name + '.ckpt')
    grafo('train', *argv, '--epochs', '2', '--batch', '16', '--save', model, '--checkpoint', ckpt)
    put('model', 'net_' + name, b'\x00' + open(model, 'rb').read())
    put('model', 'net_' + name + '_framed', framed(model))
    put('checkpoint', name, b'\x00' + open(ckpt, 'rb').read())
    put('checkpoint', name + '_framed', framed(ckpt))
