/* grafo.h — everything grafo offers, in one include. */
#ifndef GRAFO_H
#define GRAFO_H

#include "grafo/base.h"
#include "grafo/graph.h"
#include "grafo/data.h"
#include "grafo/nn.h"
#include "grafo/linear.h"
#include "grafo/metrics.h"

#endif
