/* grafo.h — everything grafo offers, in one include. */
#ifndef GRAFO_H
#define GRAFO_H

#include "grafo/base.h"
#include "grafo/graph.h"
#include "grafo/data.h"
#include "grafo/nn.h"
#include "grafo/optim.h"
#include "grafo/linear.h"
#include "grafo/metrics.h"
#include "grafo/frame.h"
#include "grafo/formula.h"
#include "grafo/transform.h"
#include "grafo/io.h"
#include "grafo/pipeline.h"

#endif
